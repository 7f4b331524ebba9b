package dev.bastion.security;
