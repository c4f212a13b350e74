#!/bin/sh
# Like the official image's 20-envsubst-on-templates.sh: $NGINX_ENVSUBST_TEMPLATE_DIR/**/*.template
# -> $NGINX_ENVSUBST_OUTPUT_DIR/<same path without the suffix>, substituting only the variables
# that are defined in the environment (and match $NGINX_ENVSUBST_FILTER).
set -e
template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
filter=${NGINX_ENVSUBST_FILTER:-}
[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
    echo "$0: ERROR: $template_dir exists, but $output_dir is not writable" >&2
    exit 0
fi
# shellcheck disable=SC2016,SC2046  # as upstream: one ${NAME} per defined variable
defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" </dev/null))
find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative_path=${template#"$template_dir/"}
    output_path=$output_dir/${relative_path%"$suffix"}
    subdir=$(dirname "$relative_path")
    mkdir -p "$output_dir/$subdir"
    echo "$0: running envsubst on $template to $output_path"
    envsubst "$defined_envs" <"$template" >"$output_path"
done
