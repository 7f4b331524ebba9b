package dev.bastion.store;
