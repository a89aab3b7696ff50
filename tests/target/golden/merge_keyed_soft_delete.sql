SELECT TOP 1 1 FROM [dbo].[contacts__stg_01234567]
WHERE [_sdc_deleted_at] IS NOT NULL
GO
UPDATE [dbo].[contacts__stg_01234567]
SET [dbo].[contacts__stg_01234567].[na]]me] = COALESCE([dbo].[contacts__stg_01234567].[na]]me], [dbo].[contacts].[na]]me]),
    [dbo].[contacts__stg_01234567].[it's] = COALESCE([dbo].[contacts__stg_01234567].[it's], [dbo].[contacts].[it's]),
    [dbo].[contacts__stg_01234567].[updated_at] = COALESCE([dbo].[contacts__stg_01234567].[updated_at], [dbo].[contacts].[updated_at]),
    [dbo].[contacts__stg_01234567].[active] = COALESCE([dbo].[contacts__stg_01234567].[active], [dbo].[contacts].[active]),
    [dbo].[contacts__stg_01234567].[_sdc_table_version] = COALESCE([dbo].[contacts__stg_01234567].[_sdc_table_version], [dbo].[contacts].[_sdc_table_version])
FROM [dbo].[contacts]
WHERE [dbo].[contacts__stg_01234567].[_sdc_deleted_at] IS NOT NULL AND [dbo].[contacts__stg_01234567].[id] = [dbo].[contacts].[id] AND [dbo].[contacts__stg_01234567].[tenant] COLLATE Latin1_General_100_BIN2 = [dbo].[contacts].[tenant] COLLATE Latin1_General_100_BIN2 AND DATALENGTH([dbo].[contacts__stg_01234567].[tenant]) = DATALENGTH([dbo].[contacts].[tenant])
OPTION (LABEL = 'target-azure-sqldw:contacts:0123456789abcdef0123456789abcdef')
GO
DELETE FROM [dbo].[contacts]
WHERE EXISTS (SELECT 1 FROM [dbo].[contacts__stg_01234567] AS [_sdc_stage] WHERE [_sdc_stage].[id] = [dbo].[contacts].[id] AND [_sdc_stage].[tenant] COLLATE Latin1_General_100_BIN2 = [dbo].[contacts].[tenant] COLLATE Latin1_General_100_BIN2 AND DATALENGTH([_sdc_stage].[tenant]) = DATALENGTH([dbo].[contacts].[tenant]))
OPTION (LABEL = 'target-azure-sqldw:contacts:0123456789abcdef0123456789abcdef')
GO
INSERT INTO [dbo].[contacts] ([id], [tenant], [na]]me], [it's], [updated_at], [active], [_sdc_deleted_at], [_sdc_table_version])
SELECT [id], [tenant], [na]]me], [it's], [updated_at], [active], [_sdc_deleted_at], [_sdc_table_version]
FROM (SELECT [id], [tenant], [na]]me], [it's], [updated_at], [active], [_sdc_deleted_at], [_sdc_table_version],
             ROW_NUMBER() OVER (PARTITION BY [id], [tenant] COLLATE Latin1_General_100_BIN2, DATALENGTH([tenant]) ORDER BY [_sdc_stage_seq] DESC) AS [_sdc_stage_rank]
      FROM [dbo].[contacts__stg_01234567]) AS [_sdc_stage]
WHERE [_sdc_stage].[_sdc_stage_rank] = 1
OPTION (LABEL = 'target-azure-sqldw:contacts:0123456789abcdef0123456789abcdef')
