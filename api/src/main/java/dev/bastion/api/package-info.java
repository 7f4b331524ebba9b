package dev.bastion.api;
