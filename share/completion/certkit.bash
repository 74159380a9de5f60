# bash completion for certool, vecs (vecs-cli) and svcctl (service-control).
# Installed once and linked under each command name, where bash-completion
# loads it on first use.  Options are read from each program's own help,
# so they follow the installed version; store names, aliases and service
# names are asked of vecs and svcctl (vecs answers root only).

# _certkit_reply WORD CANDIDATE...: COMPREPLY = candidates starting with WORD
_certkit_reply() {
	local cur=$1 w
	shift
	COMPREPLY=()
	for w in "$@"; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _certkit_lines WORD: COMPREPLY = stdin lines starting with WORD (aliases
# and names may hold spaces: one candidate per line).  Feed it with
# "< <(cmd)": at the end of a pipe it would run in a subshell.
_certkit_lines() {
	local line
	COMPREPLY=()
	while IFS= read -r line; do
		[[ -n $line && $line == "$1"* ]] && COMPREPLY+=("$line")
	done
	compopt -o filenames 2>/dev/null # quote spaces, like file names
}

_certkit_files() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

_certkit_dirs() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -d -- "$1")
}

# certool: "--name[=VALUE]" from certool --help; values after '='
_certkit_certool() {
	local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]} opt val
	COMPREPLY=()
	# bash splits "--opt=value" at '=' (COMP_WORDBREAKS): join it back
	if [[ $cur == = ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 1]} val=""
	elif [[ ${COMP_WORDS[COMP_CWORD - 1]} == = && $COMP_CWORD -ge 2 ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]} val=$cur
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} val=${cur#*=}
	else
		local opts
		opts=$("$prog" --help 2>/dev/null |
		    sed -n 's/^ *\(--[A-Za-z0-9-]*\)\(=\{0,1\}\).*/\1\2/p' | sort -u)
		# shellcheck disable=SC2086
		_certkit_reply "$cur" $opts
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] &&
		    compopt -o nospace 2>/dev/null
		return 0
	fi
	case $opt in
	--help) _certkit_reply "$val" init functions config files options connection ;;
	--filter) _certkit_reply "$val" active revoked expired all ;;
	--keytype) _certkit_reply "$val" rsa ec ;;
	--keysize) _certkit_reply "$val" 2048 3072 4096 256 384 ;;
	--option) _certkit_reply "$val" multiplesan ;;
	--config | --privkey | --pubkey | --cert | --chain | --csrfile | --crl | \
	--currcrl | --outcert | --outprivkey | --password-file)
		_certkit_files "$val" ;;
	esac
	return 0
}

# the value of OPTION earlier on the command line, for vecs and svcctl
_certkit_optval() {
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == "$1" ]]; then
			printf '%s\n' "${COMP_WORDS[i + 1]}"
			return 0
		fi
	done
	return 1
}

# vecs: "store VERB" and "entry VERB" with the options of that line of
# vecs help; store names and aliases from the store itself
_certkit_vecs() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} group=${COMP_WORDS[1]:-} verb=${COMP_WORDS[2]:-} store
	COMPREPLY=()
	if [[ $COMP_CWORD -eq 1 ]]; then
		_certkit_reply "$cur" store entry force-refresh help
		return 0
	fi
	if [[ $COMP_CWORD -eq 2 && $group != force-refresh ]]; then
		# shellcheck disable=SC2046
		_certkit_reply "$cur" $("$prog" help 2>/dev/null |
		    sed -n "s/^[[:space:]]*$group \([a-z-]*\).*/\1/p")
		return 0
	fi
	case $prev in
	--store | --backup-store)
		_certkit_lines "$cur" < <("$prog" store list 2>/dev/null)
		return 0 ;;
	--name)
		# store create takes a new name; the others an existing store
		[[ $verb == create ]] ||
		    _certkit_lines "$cur" < <("$prog" store list 2>/dev/null)
		return 0 ;;
	--alias)
		# the first line is the count
		store=$(_certkit_optval --store) &&
		    _certkit_lines "$cur" < <("$prog" entry list --store "$store" \
		    --aliases 2>/dev/null | sed 1d)
		return 0 ;;
	--cert | --key | --crl | --output | --bundle | --p12 | --password-file)
		_certkit_files "$cur"
		return 0 ;;
	--capath | --machine-ssl-dir)
		_certkit_dirs "$cur"
		return 0 ;;
	--grant | --revoke)
		_certkit_reply "$cur" read write read,write
		return 0 ;;
	--user | --password | --server | --upn | --expiring)
		return 0 ;;
	esac
	local line
	if [[ $group == force-refresh ]]; then
		line=$("$prog" help 2>/dev/null | grep -m1 "^[[:space:]]*force-refresh")
	else
		line=$("$prog" help 2>/dev/null | grep -m1 "^[[:space:]]*$group $verb ")
	fi
	# shellcheck disable=SC2046
	_certkit_reply "$cur" $(printf '%s\n' "$line" | grep -o -- '-[-a-z0-9]*' | sort -u)
	return 0
}

# svcctl: options from svcctl --help; service names from --list-services
# (of the registry named on the line, if any)
_certkit_svcctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} reg
	local -a regopt=()
	COMPREPLY=()
	case $prev in
	-r | --registry | --cert | --key | --chain | --root-cert | --vmca-config | --p12)
		_certkit_files "$cur"
		return 0 ;;
	--key-password)
		_certkit_reply "$cur" file: fd: env:
		compopt -o nospace 2>/dev/null
		return 0 ;;
	--vmon-profile)
		_certkit_reply "$cur" ALL
		return 0 ;;
	--days | --store | --alias | --fqdn | --if-expires-within | --from-backup | --backup-depth)
		return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		# shellcheck disable=SC2046
		_certkit_reply "$cur" $("$prog" --help 2>/dev/null |
		    sed -n 's/^ *\(-[a-z], \)\{0,1\}\(--[a-z0-9-]*\).*/\2/p' | sort -u)
		return 0
	fi
	reg=$(_certkit_optval --registry || _certkit_optval -r) && regopt=(--registry "$reg")
	_certkit_lines "$cur" < <("$prog" "${regopt[@]}" --list-services 2>/dev/null |
	    sed 's/ (.*//')
	return 0
}

complete -F _certkit_certool certool
complete -F _certkit_vecs vecs vecs-cli
complete -F _certkit_svcctl svcctl service-control
