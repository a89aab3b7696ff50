CREATE EXTERNAL TABLE [dbo].[contacts__ext_01234567] (
    [id] nvarchar(64) NULL,
    [tenant] nvarchar(80) NULL,
    [na]]me] nvarchar(max) NULL,
    [it's] nvarchar(64) NULL,
    [updated_at] nvarchar(64) NULL,
    [active] nvarchar(64) NULL,
    [_sdc_deleted_at] nvarchar(64) NULL,
    [_sdc_table_version] nvarchar(64) NULL,
    [_sdc_stage_seq] bigint NOT NULL
)
WITH (LOCATION = N'/target-azure-sqldw/contacts/run/batch/', DATA_SOURCE = [target_azure_sqldw_src_x], FILE_FORMAT = [target_azure_sqldw_escaped_gzip_v1], REJECT_TYPE = VALUE, REJECT_VALUE = 0)
GO
CREATE TABLE [dbo].[contacts__stg_01234567]
WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)
AS SELECT
    CAST([id] AS bigint) AS [id],
    CAST(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE([tenant] COLLATE Latin1_General_100_BIN2, N'\n', CHAR(10)), N'\r', CHAR(13)), N'\p', N'|'), N'\0', CHAR(0)), N'\e', N''), N'\b', N'\') AS nvarchar(40)) COLLATE DATABASE_DEFAULT AS [tenant],
    CAST(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE([na]]me] COLLATE Latin1_General_100_BIN2, N'\n', CHAR(10)), N'\r', CHAR(13)), N'\p', N'|'), N'\0', CHAR(0)), N'\e', N''), N'\b', N'\') AS nvarchar(4000)) COLLATE DATABASE_DEFAULT AS [na]]me],
    CAST([it's] AS decimal(38,6)) AS [it's],
    CAST([updated_at] AS datetime2(6)) AS [updated_at],
    CAST([active] AS bit) AS [active],
    CAST([_sdc_deleted_at] AS datetime2(6)) AS [_sdc_deleted_at],
    CAST([_sdc_table_version] AS bigint) AS [_sdc_table_version],
    [_sdc_stage_seq] AS [_sdc_stage_seq]
FROM [dbo].[contacts__ext_01234567]
OPTION (LABEL = 'target-azure-sqldw:contacts:0123456789abcdef0123456789abcdef')
GO
IF OBJECT_ID(N'[dbo].[contacts__ext_01234567]') IS NOT NULL DROP EXTERNAL TABLE [dbo].[contacts__ext_01234567]
