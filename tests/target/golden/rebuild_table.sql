SELECT d.distribution_policy_desc, i.type, c.name
FROM sys.tables AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.pdw_table_distribution_properties AS d ON d.object_id = t.object_id
JOIN sys.indexes AS i ON i.object_id = t.object_id AND i.type IN (0, 1, 5)
LEFT JOIN sys.pdw_column_distribution_properties AS p
    ON p.object_id = t.object_id AND p.distribution_ordinal = 1
LEFT JOIN sys.columns AS c ON c.object_id = t.object_id AND c.column_id = p.column_id
WHERE s.name = ? AND t.name = ?
-- params: ('dbo', 'contacts')
GO
SELECT t.name FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id WHERE s.name = ? AND LEFT(t.name, ?) = ?
-- params: ('dbo', 14, 'contacts__old_')
GO
CREATE TABLE [dbo].[contacts__new_01234567]
WITH (DISTRIBUTION = HASH([id]), CLUSTERED COLUMNSTORE INDEX)
AS SELECT
    [id] AS [id],
    ISNULL(CAST([tenant] AS nvarchar(100)), N'') AS [tenant],
    [na]]me] AS [na]]me],
    CAST([it's] AS nvarchar(4000)) AS [it's],
    [updated_at] AS [updated_at],
    [active] AS [active],
    [_sdc_deleted_at] AS [_sdc_deleted_at],
    [_sdc_table_version] AS [_sdc_table_version]
FROM [dbo].[contacts]
OPTION (LABEL = 'target-azure-sqldw:contacts:rebuild-0123456789abcdef')
GO
RENAME OBJECT [dbo].[contacts] TO [contacts__old_01234567]
GO
RENAME OBJECT [dbo].[contacts__new_01234567] TO [contacts]
GO
IF OBJECT_ID(N'[dbo].[contacts__old_01234567]', N'U') IS NOT NULL DROP TABLE [dbo].[contacts__old_01234567]
GO
ALTER TABLE [dbo].[contacts] ADD CONSTRAINT [pk_contacts] PRIMARY KEY NONCLUSTERED ([id], [tenant]) NOT ENFORCED
