package dev.bastion.security;

import java.net.InetAddress;
import java.util.List;

/** Client networks allowed to connect; an empty list allows everyone. */
public final class IpAllowlist {

    private final List<Cidr> networks;

    public IpAllowlist(List<Cidr> networks) {
        this.networks = List.copyOf(networks);
    }

    public static IpAllowlist parse(List<String> cidrs) {
        return new IpAllowlist(cidrs.stream().map(Cidr::parse).toList());
    }

    public boolean allows(InetAddress client) {
        return networks.isEmpty() || networks.stream().anyMatch(n -> n.contains(client));
    }

    public List<Cidr> networks() {
        return networks;
    }
}
