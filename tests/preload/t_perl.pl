# perl (Debian's perl-base): a socketpair, a listening AF_UNIX stream
# socket with a client in the same process, and IO::Select over them and
# a pipe. Prints "ok: ..." lines; dies on failure.
use strict;
use warnings;
use Socket;
use IO::Socket::UNIX;
use IO::Select;

sub check { my ($c, $what) = @_; die "FAIL: $what\n" unless $c; print "ok: $what\n"; }

socketpair(my $x, my $y, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
syswrite($x, "ping") == 4 or die;
sysread($y, my $buf, 10);
check($buf eq "ping", "socketpair sysread/syswrite");
send($y, "pong", 0);
recv($x, $buf, 10, 0);
check($buf eq "pong", "send/recv");

my $path = "/tmp/ksock-run-perl-$$.sock";
unlink $path;
my $srv = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path, Listen => 5) or die "listen: $!";
my $cli = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path) or die "connect: $!";
pipe(my $pr, my $pw) or die;
my $sel = IO::Select->new($srv, $pr);
my @ready = $sel->can_read(5);
check(@ready == 1 && $ready[0] == $srv, "IO::Select: the listener is readable, the pipe is not");
my $conn = $srv->accept or die "accept: $!";
$cli->syswrite("hello server\n");
$sel = IO::Select->new($conn, $pr);
@ready = $sel->can_read(5);
check(@ready == 1 && $ready[0] == $conn, "IO::Select: the accepted socket is readable");
$conn->sysread($buf, 100);
check($buf eq "hello server\n", "data through the accepted connection");
syswrite($pw, "p");
@ready = IO::Select->new($conn, $pr)->can_read(5);
check(@ready == 1 && $ready[0] == $pr, "IO::Select: then the pipe alone");
close $cli;
$conn->sysread($buf, 100);
check($buf eq "", "EOF after the client closed");
unlink $path;
print "done\n";
