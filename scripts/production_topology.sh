#!/usr/bin/env bash
# The production subnets at their present sizes: prints TOPOLOGY (a topology
# CSV with subnet ids: subnet_type,subnet_id,number_of_subnets,subnet_size,...)
# with each subnet's size replaced by the number of nodes of NODES (a nodes CSV
# of the dashboard, subnet_id its last column) that are members of it.
# Types and limits stay as TOPOLOGY has them (the dashboard's node list does
# not say a subnet's type). A subnet of NODES missing from TOPOLOGY, or one of
# TOPOLOGY with no member in NODES, is an error: add or remove its row first.
#
#   bash scripts/production_topology.sh defaults/nodes.csv defaults/networks/production_topology.csv \
#     | diff - defaults/networks/production_topology.csv && echo "up to date"
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 NODES.csv TOPOLOGY.csv" >&2
  exit 2
fi
awk -F, -v OFS=, '
  FNR == NR { if (FNR > 1 && $NF != "") members[$NF]++; next }
  FNR == 1 {
    if ($2 != "subnet_id" || $4 != "subnet_size") { print FILENAME ": expected the columns subnet_type,subnet_id,number_of_subnets,subnet_size,..." > "/dev/stderr"; exit 2 }
    print; next
  }
  {
    if (!($2 in members)) { print FILENAME ", line " FNR ": subnet " $2 " has no member in the nodes" > "/dev/stderr"; exit 2 }
    $4 = members[$2]; seen[$2] = 1; print
  }
  END {
    for (s in members) if (!(s in seen)) { print "subnet " s " of the nodes is not in " FILENAME ": add its row (type and limits)" > "/dev/stderr"; exit 2 }
  }
' "$1" "$2"
