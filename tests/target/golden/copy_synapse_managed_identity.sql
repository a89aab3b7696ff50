COPY INTO [dbo].[contacts__stg_01234567] ([id], [name], [updated_at], [_sdc_stage_seq])
FROM 'https://acct.blob.core.windows.net/stage/target-azure-sqldw/contacts/run/batch/part-00000.csv.gz'
WITH (
    FILE_TYPE = 'CSV',
    CREDENTIAL = (IDENTITY = 'Managed Identity'),
    COMPRESSION = 'Gzip',
    FIELDQUOTE = '"',
    FIELDTERMINATOR = ',',
    ROWTERMINATOR = '0x0A',
    ENCODING = 'UTF8',
    FIRSTROW = 1,
    MAXERRORS = 0,
    ERRORFILE = '/target-azure-sqldw/contacts/run/batch/_rejected'
)
OPTION (LABEL = 'target-azure-sqldw:contacts:0123456789abcdef0123456789abcdef')
