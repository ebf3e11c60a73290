#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# A msgqd client in Perl with the core IPC::Msg module, speaking the text protocol.
# Usage: plain-client.pl KEY PRIORITY COMMAND [reply]
use strict;
use warnings;
use IPC::Msg;

my ($key, $prio, $command, $reply) = @ARGV;
die "usage: $0 KEY PRIORITY COMMAND [reply]\n" unless defined $command;
$key = $key =~ /^0x/i ? hex($key) : int($key);
my $queue = IPC::Msg->new($key, 0) or do { print STDERR "no queue: is msgqd running? ($!)\n"; exit 3 };
$reply = defined $reply && $reply eq 'reply';
$command .= " pid=$$" if $reply;
$queue->snd($prio, $command) or die "msgsnd: $!\n";
exit 0 unless $reply;

my $text;
local $SIG{ALRM} = sub { print STDERR "no reply within 5 s\n"; exit 3 };
alarm 5;
$queue->rcv($text, 512, 1000000000 + $$) or die "msgrcv: $!\n";
alarm 0;
print "$text\n";
exit($text =~ /^OK/ ? 0 : 1);
