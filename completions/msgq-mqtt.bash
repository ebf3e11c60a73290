# SPDX-License-Identifier: MIT
# bash completion for msgq-mqtt(8); loaded on demand by bash-completion.

_msgq_mqtt()
{
    local cur prev words cword split
    _init_completion -s || return

    case $prev in
        -c | --config | -m | --mqtt-config | --password-file | --cafile)
            _filedir
            return
            ;;
        -b | --broker)
            COMPREPLY=($(compgen -W 'mqtt:// mqtts://' -- "$cur"))
            compopt -o nospace 2>/dev/null
            return
            ;;
        --protocol)
            COMPREPLY=($(compgen -W '3.1.1 5' -- "$cur"))
            return
            ;;
        -p | --prefix | -k | --key | -i | --client-id | -u | --username | --probe | --poll | --stats)
            return
            ;;
    esac
    $split && return

    COMPREPLY=($(compgen -W '-b --broker -p --prefix -k --key -c --config -m --mqtt-config
        -i --client-id -u --username --password-file --cafile --protocol --probe --stats
        --no-discovery -v --verbose -h --help -V --version' -- "$cur"))
} &&
    complete -F _msgq_mqtt msgq-mqtt

# ex: filetype=sh
