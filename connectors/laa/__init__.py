"""The LAA connector (Landelijke Aanpak Adreskwaliteit): WALAA export in, flags in domain
``laa`` with the 4-week and 6-month deadlines as due dates, statuses, the terugmelding
file out. The file layouts are in ``docs/connectors.md``."""
