{#-
    What a transaction is, by its amount (definition: docs block transaction_type in
    models/docs.md).
-#}
{% macro strata_is_purchase(amount) -%}
    ({{ amount }} > 0)
{%- endmacro %}

{#- An order of the customer value model: any transaction that is not a refund, whatever its
    value (docs block order in models/docs.md). -#}
{% macro strata_is_order(amount) -%}
    (not {{ strata_is_refund(amount) }})
{%- endmacro %}

{% macro strata_is_refund(amount) -%}
    ({{ amount }} < 0)
{%- endmacro %}

{% macro strata_transaction_type(amount) -%}
    case
        when {{ strata_is_purchase(amount) }} then 'purchase'
        when {{ strata_is_refund(amount) }} then 'refund'
        else 'zero_amount'
    end
{%- endmacro %}
