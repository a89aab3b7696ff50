CREATE TABLE [dbo].[contacts] (
    [id] bigint NOT NULL,
    [name] varchar(8000) NULL,
    [updated_at] datetime2(6) NULL
)
GO
ALTER TABLE [dbo].[contacts] ADD CONSTRAINT [pk_contacts] PRIMARY KEY NONCLUSTERED ([id]) NOT ENFORCED
