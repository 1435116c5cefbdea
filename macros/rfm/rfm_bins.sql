{#-
    N, the number of NTILE buckets per score (var rfm_bins), checked once here: an integer from 2
    to 9, so that rfm_cell stays three digits.
-#}
{% macro strata_rfm_bins() %}
    {%- set bins = var('rfm_bins') -%}
    {%- if bins is not number or bins != bins | int or bins < 2 or bins > 9 -%}
        {{ exceptions.raise_compiler_error(
            "Strata: var rfm_bins must be an integer from 2 to 9, got '" ~ bins ~ "'."
        ) }}
    {%- endif -%}
    {{ return(bins | int) }}
{% endmacro %}
