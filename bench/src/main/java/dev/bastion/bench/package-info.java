package dev.bastion.bench;
