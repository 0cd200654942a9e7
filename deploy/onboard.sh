#!/bin/sh
# The first organisation, its domains of work and its teams, through the admin API as a hub
# operator (docs/administration.md). Safe to run again: what exists is left as it is.
# Needs BETROKKEN_HUB_URL and a token: BETROKKEN_TOKEN, or BETROKKEN_OIDC_ISSUER,
# BETROKKEN_CLIENT_ID and BETROKKEN_CLIENT_SECRET for client credentials.
set -eu

ORGANISATION=${BETROKKEN_ONBOARD_ORGANISATION:-gemeente-voorbeeld}
ORGANISATION_NAME=${BETROKKEN_ONBOARD_ORGANISATION_NAME:-Gemeente Voorbeeld}

export BETROKKEN_TOKEN="${BETROKKEN_TOKEN:-$(betrokken admin token)}"

domains=$(betrokken admin domain list)
domain() {  # code, name
    case "$domains" in
    *"domain $1:"*) echo "domain $1 exists" ;;
    *) betrokken admin domain create "$1" --name "$2" ;;
    esac
}
domain pw "Participatiewet"
domain wmo_pgb "Wmo 2015, persoonsgebonden budget"
domain jeugd "Jeugdwet"
domain schuldhulp "Schuldhulpverlening"
domain vergunningen "Vergunningen"
domain vth "Vergunningverlening, toezicht en handhaving"
domain laa "Landelijke Aanpak Adreskwaliteit"
domain lsi "LSI interventieteams"

case "$(betrokken admin organisation list)" in
*"organisation $ORGANISATION:"*) echo "organisation $ORGANISATION exists" ;;
*) betrokken admin organisation create "$ORGANISATION" --name "$ORGANISATION_NAME" --kind gemeente ;;
esac

teams=$(betrokken admin team list "$ORGANISATION")
team() {  # slug, domain, name
    case "$teams" in
    *"team $1 of"*) echo "team $1 exists" ;;
    *) betrokken admin team create "$ORGANISATION" "$1" --domain "$2" --name "$3" ;;
    esac
}
team pw-handhaving pw "Handhaving Participatiewet"
team schuldhulp schuldhulp "Schuldhulpverlening"
team wmo-pgb wmo_pgb "Wmo-pgb"
team jeugd-wijkteam jeugd "Wijkteam Jeugd"
team vergunningen vergunningen "Vergunningen"
team vth-toezicht vth "Toezicht en handhaving"
team adreskwaliteit laa "Team Adreskwaliteit (LAA)"
