package dev.bastion.security;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.math.BigInteger;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** Cross-checks the hand-written CIDR masking against plain integer arithmetic. */
class CidrProperties {

    private static String ipv4(int bits) {
        return ((bits >>> 24) & 0xFF) + "." + ((bits >>> 16) & 0xFF) + "." + ((bits >>> 8) & 0xFF) + "." + (bits & 0xFF);
    }

    @Property
    void ipv4ContainmentMatchesPrefixArithmetic(@ForAll int network, @ForAll int candidate,
                                                @ForAll @IntRange(min = 0, max = 32) int prefix) {
        Cidr cidr = Cidr.parse(ipv4(network) + "/" + prefix);
        long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        boolean expected = ((network & 0xFFFFFFFFL) & mask) == ((candidate & 0xFFFFFFFFL) & mask);
        assertThat(cidr.contains(Cidr.parseAddress(ipv4(candidate)))).isEqualTo(expected);
        assertThat(cidr.contains(Cidr.parseAddress(ipv4(network)))).isTrue();
    }

    @Property
    void ipv6ContainmentMatchesPrefixArithmetic(@ForAll byte[] networkSeed, @ForAll byte[] candidateSeed,
                                                @ForAll @IntRange(min = 0, max = 128) int prefix) throws Exception {
        byte[] network = java.util.Arrays.copyOf(networkSeed, 16);
        network[0] = (byte) 0x20; // keep clear of IPv4-mapped space, which Java turns into IPv4 addresses
        byte[] candidate = java.util.Arrays.copyOf(candidateSeed, 16);
        candidate[0] = (byte) 0x20;
        String networkText = InetAddress.getByAddress(network).getHostAddress();
        Cidr cidr = Cidr.parse(networkText + "/" + prefix);
        BigInteger n = new BigInteger(1, network).shiftRight(128 - prefix);
        BigInteger c = new BigInteger(1, candidate).shiftRight(128 - prefix);
        assertThat(cidr.contains(InetAddress.getByAddress(candidate))).isEqualTo(n.equals(c));
    }

    @Property
    void ipv4NeverMatchesIpv6Networks(@ForAll int address) {
        assertThat(Cidr.parse("::/0").contains(Cidr.parseAddress(ipv4(address)))).isFalse();
    }
}
