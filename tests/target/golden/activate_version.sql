DELETE FROM [dbo].[contacts]
WHERE ([_sdc_table_version] < ? OR [_sdc_table_version] IS NULL)
OPTION (LABEL = 'target-azure-sqldw:contacts:0123456789abcdef0123456789abcdef')
-- params: (1541199424491,)
GO
UPDATE [dbo].[contacts]
SET [_sdc_deleted_at] = ?
WHERE ([_sdc_table_version] < ? OR [_sdc_table_version] IS NULL) AND [_sdc_deleted_at] IS NULL
OPTION (LABEL = 'target-azure-sqldw:contacts:0123456789abcdef0123456789abcdef')
-- params: (datetime.datetime(2026, 1, 2, 3, 4, 5), 1541199424491)
