"""The LSI connector (Landelijke Stuurgroep Interventieteams): a project as a convenant
between the partner organisations, a partner's address/person/business list as flags in
domain ``lsi`` under it, and the project's end, when all its flags expire."""
