#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# A msgqd client in Perl with the core IPC::Msg module, speaking the text protocol.
# Usage: plain-client.pl KEY PRIORITY COMMAND [reply]
use strict;
use warnings;
use IPC::Msg;

my ($key, $prio, $command, $reply) = @ARGV;
# Exit codes as the C and Python clients': 2 usage, 3 no queue or no reply, 1 otherwise.
unless (defined $command) { print STDERR "usage: $0 KEY PRIORITY COMMAND [reply]\n"; exit 2 }
$key = $key =~ /^0x/i ? hex($key) : int($key);
my $queue = IPC::Msg->new($key, 0) or do { print STDERR "no queue: is msgqd running? ($!)\n"; exit 3 };
$reply = defined $reply && $reply eq 'reply';
$command .= " pid=$$" if $reply;
$queue->snd($prio, $command) or do { print STDERR "msgsnd: $!\n"; exit 1 };
exit 0 unless $reply;

my $text;
local $SIG{ALRM} = sub { print STDERR "no reply within 5 s\n"; exit 3 };
alarm 5;
$queue->rcv($text, 512, 1000000000 + $$) or do { print STDERR "msgrcv: $!\n"; exit 3 };
alarm 0;
print "$text\n";
exit($text =~ /^OK/ ? 0 : 1);
