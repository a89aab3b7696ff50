CREATE TABLE [dbo].[contacts] (
    [id] bigint NOT NULL,
    [tenant] nvarchar(40) NOT NULL,
    [na]]me] nvarchar(4000) NULL,
    [it's] decimal(38,6) NULL,
    [updated_at] datetime2(6) NULL,
    [active] bit NULL,
    [_sdc_deleted_at] datetime2(6) NULL,
    [_sdc_table_version] bigint NULL,
    CONSTRAINT [pk_contacts] PRIMARY KEY NONCLUSTERED ([id], [tenant]) NOT ENFORCED
)
WITH (DISTRIBUTION = HASH([id]), CLUSTERED COLUMNSTORE INDEX)
