{{ config(materialized='table', dist='ROUND_ROBIN', index='HEAP') }}
select cast(1 as int) as customer_id, cast(N'Zoë' as nvarchar(40)) as name
union all select 2, N'李'
union all select 3, N'Ada'
