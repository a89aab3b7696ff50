SELECT name FROM sys.symmetric_keys WHERE name = ?
-- params: ('##MS_DatabaseMasterKey##',)
GO
CREATE MASTER KEY
GO
SELECT name FROM sys.database_scoped_credentials WHERE name = ?
-- params: ('cred',)
GO
CREATE DATABASE SCOPED CREDENTIAL [target_azure_sqldw_cred_x]
WITH IDENTITY = 'user', SECRET = '***'
GO
CREATE DATABASE SCOPED CREDENTIAL [target_azure_sqldw_cred_y]
WITH IDENTITY = 'Managed Service Identity'
GO
CREATE EXTERNAL DATA SOURCE [target_azure_sqldw_src_x]
WITH (TYPE = HADOOP, LOCATION = N'wasbs://stage@acct.blob.core.windows.net', CREDENTIAL = [target_azure_sqldw_cred_x])
GO
CREATE EXTERNAL FILE FORMAT [target_azure_sqldw_escaped_gzip_v1]
WITH (FORMAT_TYPE = DELIMITEDTEXT,
      FORMAT_OPTIONS (FIELD_TERMINATOR = '|', USE_TYPE_DEFAULT = FALSE, ENCODING = 'UTF8'),
      DATA_COMPRESSION = 'org.apache.hadoop.io.compress.GzipCodec')
