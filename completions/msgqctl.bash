# SPDX-License-Identifier: MIT
# bash completion for msgqctl(1); loaded on demand by bash-completion.

# The names of msgqd's lines (with "inputs": of its inputs), asked of the
# running msgqd with the key and configuration typed so far (nothing when
# it does not answer in 0.5 s).
_msgqctl_lines()
{
    local j opts=()
    for ((j = 1; j < cword; j++)); do
        case ${words[j]} in
            -k | --key | --config) opts+=("${words[j]}" "${words[j + 1]}") ;;
            -c) [[ $cmd != ping ]] && opts+=(-c "${words[j + 1]}") ;;
            --key=* | --config=*) opts+=("${words[j]}") ;;
        esac
    done
    "${words[0]}" "${opts[@]}" -t 0.5 "${1:-list}" --names 2>/dev/null
}

_msgqctl()
{
    local cur prev words cword split
    _init_completion -s || return

    # Global options go before or after the command (after ping, -c is its count).
    local global_opts='-k --key -c --config -t --timeout -p --priority -j --json -q --quiet -h --help -V --version'
    local commands='list get set watch inputs mon led send ping stats status shutdown help'
    local priorities='1 2 3 4 5 6 7 8 9 10'

    # The command: the first word that is neither an option nor the argument
    # of an option that takes one; then the operands typed after it.
    local i cmd= nargs=0 dashdash= action=
    for ((i = 1; i < cword; i++)); do
        if [[ -z $dashdash ]]; then
            case ${words[i]} in
                --) [[ -n $cmd ]] && dashdash=1; continue ;;
                -k | --key | -t | --timeout | -p | --priority | --config | -i | --interval | --count | -n | --since)
                    ((i++)); continue ;;
                -c) ((i++)); continue ;;
                -*) continue ;;
            esac
        fi
        if [[ -z $cmd ]]; then
            cmd=${words[i]}
        else
            ((nargs++ == 0)) && action=${words[i]}
        fi
    done

    case $prev in
        --config)
            _filedir
            return
            ;;
        -c)
            [[ $cmd != ping ]] && _filedir
            return
            ;;
        -p | --priority)
            COMPREPLY=($(compgen -W "$priorities" -- "$cur"))
            return
            ;;
        -k | --key | -t | --timeout | -i | --interval | --count | -n | --since)
            return
            ;;
    esac
    $split && return

    # The command's own options, each offered once (send -p and ping -c are
    # letters the global options have too).
    local own= opts=$global_opts opt
    case $cmd in
        send) own='-p --priority --' ;;
        ping) own='-c --count -i --interval' ;;
        list) own='--names' ;;
        watch) own='-n --count' ;;
        inputs) own='--names' ;;
        mon) own='--since -n --count' ;;
    esac
    for opt in $own; do
        [[ " $opts " == *" $opt "* ]] || opts+=" $opt"
    done
    if [[ $cur == -* && -z $dashdash ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    case $cmd in
        '')
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            ;;
        get | watch | mon)
            COMPREPLY=($(compgen -W "$(_msgqctl_lines)" -- "$cur"))
            ;;
        inputs)
            COMPREPLY=($(compgen -W "$(_msgqctl_lines inputs)" -- "$cur"))
            ;;
        set)
            if [[ $cur == *=* ]]; then
                COMPREPLY=($(compgen -W "${cur%%=*}=on ${cur%%=*}=off" -- "$cur"))
            else
                COMPREPLY=($(compgen -S = -W "$(_msgqctl_lines)" -- "$cur"))
                compopt -o nospace 2>/dev/null
            fi
            ;;
        led)
            # led ACTION [NAME]; blink's NAME after its period.
            if ((nargs == 0)); then
                COMPREPLY=($(compgen -W 'on off toggle state blink watch' -- "$cur"))
            elif [[ $action != blink ]] || ((nargs >= 2)); then
                COMPREPLY=($(compgen -W "$(_msgqctl_lines)" -- "$cur"))
            fi
            ;;
        send)
            if ((nargs == 0)); then
                COMPREPLY=($(compgen -W '-' -- "$cur"))
            fi
            ;;
        help)
            if ((nargs == 0)); then
                COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            fi
            ;;
    esac
} &&
    complete -F _msgqctl msgqctl

# ex: filetype=sh
