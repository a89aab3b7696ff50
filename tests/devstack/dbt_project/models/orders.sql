{# Batch 1 has orders 10 and 11; batch 2 changes 11 and adds 12. Incremental runs read only
   the current batch and MERGE it on order_id (a MERGE that inserts needs a HASH table). #}
{{ config(materialized='incremental', unique_key='order_id', dist='HASH(order_id)', index='HEAP') }}
select order_id, customer_id, amount, batch from (
  select cast(10 as int) as order_id, cast(1 as int) as customer_id,
         cast(5.25 as decimal(10, 2)) as amount, cast(1 as int) as batch
  union all select 11, 2, 7.50, 1
  {% if var('batch') >= 2 %}
  union all select 11, 2, 8.00, 2
  union all select 12, 3, 1.00, 2
  {% endif %}
) src
{% if is_incremental() %}
where batch = {{ var('batch') }}
{% endif %}
