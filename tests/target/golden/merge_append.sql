INSERT INTO [dbo].[events] ([id], [tenant], [na]]me], [it's], [updated_at], [active], [_sdc_deleted_at], [_sdc_table_version])
SELECT [id], [tenant], [na]]me], [it's], [updated_at], [active], [_sdc_deleted_at], [_sdc_table_version]
FROM [dbo].[events__stg_01234567]
OPTION (LABEL = 'target-azure-sqldw:contacts:0123456789abcdef0123456789abcdef')
