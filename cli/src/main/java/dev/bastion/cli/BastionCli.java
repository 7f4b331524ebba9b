package dev.bastion.cli;

public final class BastionCli {
    public static void main(String[] args) {
        System.out.println("bastion");
    }
}
