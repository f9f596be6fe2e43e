# perl (Debian's perl-base) with AF_INET TCP in one process (run with
# --families unix,inet, and with --families none): an IO::Socket::INET
# listener on 127.0.0.1 and a client, an echo served by an IO::Select loop
# in the same process while the client sends 1 MB in pieces, the peer's
# address, and EOF. Prints "ok: ..." lines; dies on failure.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

sub check { my ($c, $what) = @_; die "FAIL: $what\n" unless $c; print "ok: $what\n"; }

my $srv = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 5,
				ReuseAddr => 1, Proto => "tcp") or die "listen: $!";
my $port = $srv->sockport;
check($port > 0, "IO::Socket::INET listener on 127.0.0.1, port nonzero");
my $cli = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port, Proto => "tcp")
	or die "connect: $!";
my $conn = $srv->accept or die "accept: $!";
check($conn->peerport == $cli->sockport && $conn->peerhost eq "127.0.0.1",
      "accept: the peer's address is the client's");
$cli->blocking(0);
$conn->blocking(0);
my $data = join("", map { chr(($_ * 7 + ($_ >> 11)) & 0xff) } 0 .. 1_048_575);
my ($sent, $back, $pending) = (0, "", "");
my $deadline = time + 15;
while (length($back) < length($data) && time < $deadline) {
	my @w = ();
	push @w, $cli if $sent < length($data);
	push @w, $conn if length $pending;
	my ($r, $w) = IO::Select->select(IO::Select->new($cli, $conn), IO::Select->new(@w), undef, 5);
	for my $h (@{ $w || [] }) {
		if ($h == $cli) {
			my $n = $cli->syswrite($data, 16384, $sent);
			$sent += $n if defined $n;
		} else {
			my $n = $conn->syswrite($pending);
			substr($pending, 0, $n, "") if defined $n;
		}
	}
	for my $h (@{ $r || [] }) {
		my $n = $h->sysread(my $buf, 65536);
		next unless defined $n;
		if ($h == $conn) { $pending .= $buf; } else { $back .= $buf; }
	}
}
check($back eq $data, "1 MB echoed through an IO::Select loop, byte for byte");
$cli->blocking(1);
$conn->blocking(1);
close $cli;
my $n = $conn->sysread(my $buf, 100);
check(defined $n && $n == 0, "EOF after the client closed");
close $conn;
close $srv;
print "done\n";
