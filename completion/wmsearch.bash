# Bash completion for wmquery and wmindex (installed by `make install` as
# .../bash-completion/completions/wmquery and .../wmindex).
#
# Options are read from the program's own --help, so they never go stale.
# wmquery also completes its commands (show, list, similar), the fields of
# the query language (track: speaker: year: type: lang: title: event: status:
# id:), the
# names `list` takes, and option values and field values from the index
# itself (`wmquery list tracks --format ids`), honouring -d DIR on the line.

# The long options a program's --help mentions.
_wmsearch_options()
{
    "$1" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

# -d DIR / --index DIR / --index=DIR from the words typed so far.
_wmsearch_index_args()
{
    local i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        case ${COMP_WORDS[i]} in
            -d | --index) printf '%s\n%s\n' --index "${COMP_WORDS[i + 1]}" ;;
            --index=*) printf '%s\n' "${COMP_WORDS[i]}" ;;
        esac
    done
}

# Values of a field (tracks, speakers, years, types, languages, events) in the index.
_wmsearch_values()
{
    local -a index_args
    mapfile -t index_args < <(_wmsearch_index_args)
    "$1" "${index_args[@]}" --format ids --no-pager list "$2" 2>/dev/null
}

# COMPREPLY from newline-separated candidates (which may hold spaces).
_wmsearch_reply()
{
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$1" -- "$2"))
}

# The same, shell-quoted, for values that may hold spaces ("Community Health").
_wmsearch_reply_quoted()
{
    _wmsearch_reply "$1" "$2"
    local i
    for i in "${!COMPREPLY[@]}"; do
        printf -v "COMPREPLY[$i]" '%q' "${COMPREPLY[i]}"
    done
}

# The statuses --status and status: take (archive/session.h's words, and any).
_wmsearch_statuses=$'accepted\nconfirmed\nsubmitted\nrejected\nwithdrawn\ncanceled\nany'

_wmquery()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n := || return
    else
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    fi
    local prog=${words[0]}

    case $prev in
        -d | --index) compopt -o dirnames 2>/dev/null; COMPREPLY=(); return ;;
        --format | -f) _wmsearch_reply $'text\njson\njsonl\ncsv\nids' "$cur"; return ;;
        --sort) _wmsearch_reply $'relevance\nnewest\noldest\ntitle' "$cur"; return ;;
        --color | --colour) _wmsearch_reply $'auto\nalways\nnever' "$cur"; return ;;
        --facets) _wmsearch_reply $'track\nyear\ntype\nlanguage\nspeaker\nevent\nstatus' "${cur##*,}"
                  local head=${cur%"${cur##*,}"}
                  COMPREPLY=("${COMPREPLY[@]/#/$head}"); return ;;
        --track) _wmsearch_reply_quoted "$(_wmsearch_values "$prog" tracks)" "$cur"; return ;;
        --speaker) _wmsearch_reply_quoted "$(_wmsearch_values "$prog" speakers)" "$cur"; return ;;
        --year) _wmsearch_reply_quoted "$(_wmsearch_values "$prog" years)" "$cur"; return ;;
        --type) _wmsearch_reply_quoted "$(_wmsearch_values "$prog" types)" "$cur"; return ;;
        --lang) _wmsearch_reply_quoted "$(_wmsearch_values "$prog" languages)" "$cur"; return ;;
        --event) _wmsearch_reply_quoted "$(_wmsearch_values "$prog" events)" "$cur"; return ;;
        --status) _wmsearch_reply "$_wmsearch_statuses" "$cur"; return ;;
        --limit | -n | --offset) return ;;
        list) _wmsearch_reply $'tracks\nspeakers\nyears\ntypes\nlanguages\nevents\nstatuses' "$cur"; return ;;
    esac

    case $cur in
        --*=*) return ;;
        -*) _wmsearch_reply "$(_wmsearch_options "$prog")" "$cur"; return ;;
        type:* | lang:* | year:*)
            local field=${cur%%:*} plural
            case $field in lang) plural=languages ;; *) plural=${field}s ;; esac
            _wmsearch_reply "$(_wmsearch_values "$prog" "$plural" | grep -v ' ' | sed "s/^/$field:/")" "$cur"
            return ;;
        status:*)
            _wmsearch_reply "$(sed 's/^/status:/' <<<"$_wmsearch_statuses")" "$cur"
            return ;;
    esac

    # The first word that is not an option may be a command; later words are query words.
    local i first=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -d | --index | -n | --limit | --offset | --sort | -f | --format | --facets | --track | \
                --speaker | --year | --type | --lang | --event | --status) ((i++)) ;;
            --color | --colour)   # its value may be the next word, as wmquery takes it
                [[ ${words[i + 1]} == @(auto|always|never) ]] && ((i++)) ;;
            --) first=--; break ;;
            -*) ;;
            *) first=${words[i]}; break ;;
        esac
    done
    local fields=$'track:\nspeaker:\nyear:\ntype:\nlang:\ntitle:\nevent:\nstatus:\nid:'
    if [[ -z $first ]]; then
        _wmsearch_reply $'show\nlist\nsimilar\nsearch\n'"$fields" "$cur"
    else
        _wmsearch_reply "$fields" "$cur"
    fi
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *: ]] && compopt -o nospace 2>/dev/null
}

_wmindex()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    case $prev in
        -d | --index) compopt -o dirnames 2>/dev/null; COMPREPLY=(); return ;;
        --rules) compopt -o default 2>/dev/null; COMPREPLY=(); return ;;
    esac
    if [[ $cur == -* ]]; then
        _wmsearch_reply "$(_wmsearch_options "${COMP_WORDS[0]}")" "$cur"
    else
        compopt -o default 2>/dev/null   # dump files
        COMPREPLY=()
    fi
}

complete -F _wmquery wmquery
complete -F _wmindex wmindex
