# SPDX-License-Identifier: MIT
# bash completion for msgqd(8); loaded on demand by bash-completion.

_msgqd()
{
    local cur prev words cword split
    _init_completion -s || return

    case $prev in
        -c | --config)
            _filedir
            return
            ;;
        --gpio)
            # Line names of the chips this machine has, as gpioinfo shows them.
            if command -v gpioinfo >/dev/null; then
                COMPREPLY=($(compgen -W "$(gpioinfo 2>/dev/null |
                    sed -n 's/^[[:space:]]*line[[:space:]]*[0-9]*:[[:space:]]*"\([^"]*\)".*/\1/p')" -- "$cur"))
            fi
            return
            ;;
        -k | --key)
            return
            ;;
        --claim-for | --remove-foreign)
            COMPREPLY=($(compgen -u -- "$cur"))
            return
            ;;
    esac
    $split && return

    COMPREPLY=($(compgen -W '-k --key -c --config --gpio --active-low --sim --claim-for -v --verbose -h --help -V --version' -- "$cur"))
} &&
    complete -F _msgqd msgqd

# ex: filetype=sh
