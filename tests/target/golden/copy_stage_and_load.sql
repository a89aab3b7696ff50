CREATE TABLE [dbo].[contacts__stg_01234567] (
    [id] bigint NULL,
    [tenant] nvarchar(40) NULL,
    [na]]me] nvarchar(4000) NULL,
    [it's] decimal(38,6) NULL,
    [updated_at] datetime2(6) NULL,
    [active] bit NULL,
    [_sdc_deleted_at] datetime2(6) NULL,
    [_sdc_table_version] bigint NULL,
    [_sdc_stage_seq] bigint NOT NULL
)
WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)
GO
COPY INTO [dbo].[contacts__stg_01234567] ([id], [tenant], [na]]me], [it's], [updated_at], [active], [_sdc_deleted_at], [_sdc_table_version], [_sdc_stage_seq])
FROM 'https://acct.blob.core.windows.net/stage/target-azure-sqldw/contacts/run/batch/part-00000.csv.gz',
     'https://acct.blob.core.windows.net/stage/target-azure-sqldw/contacts/run/batch/part-00001.csv.gz'
WITH (
    FILE_TYPE = 'CSV',
    CREDENTIAL = (IDENTITY = 'Storage Account Key', SECRET = '***'),
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
