# Bash completion for wmquery and wmindex (installed by `make install` as
# .../bash-completion/completions/wmquery and .../wmindex).
#
# Options are read from the program's own --help, so they never go stale.
# wmquery also completes its commands (show, list, similar), the fields of
# the query language (track: speaker: year: type: lang: title: event: status:
# id:) and their values, the names `list` takes, option values and field
# values from the index itself (`wmquery list tracks --format ids`), and the
# ids `show` and `similar` take, honouring -d DIR on the line.
#
# It works with and without the bash-completion package.  Bash splits the
# line at ':' and '=' (COMP_WORDBREAKS), so `type:w` arrives as three words
# and readline replaces only the `w`: the words are joined back
# (_init_completion -n := does it when the package is there, else
# _wmsearch_join_words), every candidate is made as the whole word it
# completes (`type:workshop`), and _wmsearch_trim cuts off what readline
# keeps (`type:`), so `type:w<TAB>` gives `type:workshop`, never
# `type:type:workshop`.

# The long options a program's --help mentions.
_wmsearch_options()
{
    "$1" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

# words, cword, cur and prev from COMP_WORDS with the pieces bash split at
# ':' and '=' joined to their word again (what _init_completion -n := does).
# A piece joins the word before it when no blank comes between them in
# COMP_LINE and one of them is, or ends with, ':' or '='.
_wmsearch_join_words()
{
    words=() cword=0
    local i j=-1 w rest=${COMP_LINE-} lead
    [[ -n ${COMP_POINT-} ]] && rest=${rest:0:COMP_POINT}
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        lead=""
        if [[ -n ${COMP_LINE-} && -z $w ]]; then
            lead=$rest   # an empty word: a new one after blanks
        elif [[ -n ${COMP_LINE-} ]]; then
            lead=${rest%%"$w"*}   # the blanks before the word
            rest=${rest#"$lead"}
            rest=${rest#"$w"}
        fi
        if ((j >= 0)) && [[ -z $lead ]] && [[ $w =~ ^[:=]+$ || ${words[j]} == *[:=] ]]; then
            words[j]+=$w
        else
            words[++j]=$w
        fi
        ((i == COMP_CWORD)) && cword=$j
    done
    cur=${words[cword]-} prev=${words[cword - 1]-}
}

# Readline replaces only the text after the last ':' or '=' of the word
# being completed (when COMP_WORDBREAKS holds them): cut the rest off each
# candidate, which was made whole.
_wmsearch_trim()
{
    local breaks=${COMP_WORDBREAKS-:=} head keep
    case $breaks in
        *:*=* | *=*:*) keep=${cur##*[:=]} ;;
        *:*) keep=${cur##*:} ;;
        *=*) keep=${cur##*=} ;;
        *) return ;;
    esac
    head=${cur%"$keep"}
    [[ -n $head ]] || return
    local i
    for i in "${!COMPREPLY[@]}"; do
        COMPREPLY[i]=${COMPREPLY[i]#"$head"}
    done
}

# -d DIR / --index DIR / --index=DIR from the words typed so far.
_wmsearch_index_args()
{
    local i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -d | --index) printf '%s\n%s\n' --index "${words[i + 1]}" ;;
            --index=*) printf '%s\n' "${words[i]}" ;;
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

# Session ids in the index, whatever their status (show, similar).
_wmsearch_ids()
{
    local -a index_args
    mapfile -t index_args < <(_wmsearch_index_args)
    "$1" "${index_args[@]}" --format ids --no-pager --status any --limit 1000000 2>/dev/null
}

# COMPREPLY from newline-separated candidates (which may hold spaces).
_wmsearch_reply()
{
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$1" -- "$2"))
}

# The candidates (newline-separated) that start with the typed text, case
# aside; the typed text may be shell-quoted (`Community\ He`, `\"Comm`).
_wmsearch_matching()
{
    local typed=${2//\\/} value
    typed=${typed#\"}
    typed=${typed,,}
    while IFS= read -r value; do
        [[ -n $value && ${value,,} == "$typed"* ]] && printf '%s\n' "$value"
    done <<<"$1"
}

# Backslashes before what the shell would otherwise read (blanks, quotes,
# $ ...), line by line; letters of any script stay as they are.
_wmsearch_shell_quote()
{
    sed 's/[][ 	"'\''\\$`!&;|<>(){}*?#~]/\\&/g'
}

# An option's value (--track Community\ Health): the values matching typed, quoted.
_wmsearch_reply_values()
{
    local IFS=$'\n'
    COMPREPLY=($(_wmsearch_matching "$1" "$2" | _wmsearch_shell_quote))
}

# A field of the query (track:, speaker: ...): `field:value`, and a value of
# several words as a phrase of the query language, quoted for the shell
# (`track:\"Community\ Health\"`, which wmquery gets as track:"Community Health").
_wmsearch_reply_field()
{
    local field=$1 candidates=$2 typed=${cur#*:} value
    local IFS=$'\n'
    COMPREPLY=()
    while IFS= read -r value; do
        [[ -n $value ]] || continue
        if [[ $value == *[![:alnum:]._@+-]* ]]; then
            value=\"$value\"
        fi
        COMPREPLY+=("$field:$(_wmsearch_shell_quote <<<"$value")")
    done < <(_wmsearch_matching "$candidates" "$typed")
}

# The statuses --status and status: take (archive/session.h's words, and any).
_wmsearch_statuses=$'accepted\nconfirmed\nsubmitted\nrejected\nwithdrawn\ncanceled\nany'

# The values an option takes (bare), for the typed value; 1 when it takes none we know.
_wmsearch_option_values()
{
    local prog=$1 option=$2 typed=$3
    case $option in
        -d | --index) compopt -o dirnames 2>/dev/null; COMPREPLY=() ;;
        --format | -f) _wmsearch_reply $'text\njson\njsonl\ncsv\nids' "$typed" ;;
        --sort) _wmsearch_reply $'relevance\nnewest\noldest\ntitle\nname\ncount' "$typed" ;;
        --color | --colour) _wmsearch_reply $'auto\nalways\nnever' "$typed" ;;
        --facets) _wmsearch_reply $'track\nyear\ntype\nlanguage\nspeaker\nevent\nstatus' "${typed##*,}"
                  local head=${typed%"${typed##*,}"}
                  COMPREPLY=("${COMPREPLY[@]/#/$head}") ;;
        --track) _wmsearch_reply_values "$(_wmsearch_values "$prog" tracks)" "$typed" ;;
        --speaker) _wmsearch_reply_values "$(_wmsearch_values "$prog" speakers)" "$typed" ;;
        --year) _wmsearch_reply_values "$(_wmsearch_values "$prog" years)" "$typed" ;;
        --type) _wmsearch_reply_values "$(_wmsearch_values "$prog" types)" "$typed" ;;
        --lang) _wmsearch_reply_values "$(_wmsearch_values "$prog" languages)" "$typed" ;;
        --event) _wmsearch_reply_values "$(_wmsearch_values "$prog" events)" "$typed" ;;
        --status) _wmsearch_reply "$_wmsearch_statuses" "$typed" ;;
        --limit | -n | --offset) COMPREPLY=() ;;
        *) return 1 ;;
    esac
    return 0
}

_wmquery()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n := || return
    else
        _wmsearch_join_words
    fi
    local prog=${words[0]}

    if _wmsearch_option_values "$prog" "$prev" "$cur"; then
        return
    fi
    case $cur in
        --*=*)   # --format=js: the values, each as the whole word
            local option=${cur%%=*}
            _wmsearch_option_values "$prog" "$option" "${cur#*=}" || return
            COMPREPLY=("${COMPREPLY[@]/#/$option=}")
            _wmsearch_trim
            return ;;
        -*) _wmsearch_reply "$(_wmsearch_options "$prog")" "$cur"; return ;;
    esac

    # The first word that is not an option may be a command; later words are query words.
    local i first="" nth=0
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -d | --index | -n | --limit | --offset | --sort | -f | --format | --facets | --track | \
                --speaker | --year | --type | --lang | --event | --status) ((i++)) ;;
            --color | --colour)   # its value may be the next word, as wmquery takes it
                [[ ${words[i + 1]} == @(auto|always|never) ]] && ((i++)) ;;
            --) [[ -z $first ]] && first=--; ((nth++)) ;;
            -*) ;;
            *) [[ -z $first ]] && first=${words[i]}; ((nth++)) ;;
        esac
    done

    case $first in
        list) if ((nth == 1)); then
                  _wmsearch_reply $'tracks\nspeakers\nyears\ntypes\nlanguages\nevents\nstatuses' "$cur"
                  return
              fi ;;
        show | similar)
            if [[ $first == show ]] || ((nth == 1)); then
                _wmsearch_reply "$(_wmsearch_ids "$prog")" "$cur"
                _wmsearch_trim
                return
            fi ;;
    esac

    local plural
    case $cur in
        track:* | speaker:* | event:* | type:* | year:*) plural=${cur%%:*}s ;;
        lang:*) plural=languages ;;
        status:*) _wmsearch_reply "$(sed 's/^/status:/' <<<"$_wmsearch_statuses")" "$cur"
                  _wmsearch_trim
                  return ;;
        id:*) _wmsearch_reply "$(_wmsearch_ids "$prog" | sed 's/^/id:/')" "$cur"
              _wmsearch_trim
              return ;;
    esac
    if [[ -n $plural ]]; then
        _wmsearch_reply_field "${cur%%:*}" "$(_wmsearch_values "$prog" "$plural")"
        _wmsearch_trim
        return
    fi

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
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n := || return
    else
        _wmsearch_join_words
    fi
    case $prev in
        -d | --index) compopt -o dirnames 2>/dev/null; COMPREPLY=(); return ;;
        --rules) compopt -o default 2>/dev/null; COMPREPLY=(); return ;;
        --format) _wmsearch_reply $'text\njson' "$cur"; return ;;
        --commit-every | -j | --jobs | --explain) COMPREPLY=(); return ;;   # a number, a page title
    esac
    if [[ $cur == -* ]]; then
        _wmsearch_reply "$(_wmsearch_options "${words[0]}")" "$cur"
    else
        compopt -o default 2>/dev/null   # dump files
        COMPREPLY=()
    fi
}

complete -F _wmquery wmquery
complete -F _wmindex wmindex
