#pragma once
// Which server addresses a client connects to. wss:// always; ws:// (no TLS: the password at
// login and the device token on every connection cross the network in clear) only to this
// machine, unless the user allowed it explicitly for this server (docs/SECURITY.md).
#include "protocol/result.h"

#include <QUrl>

namespace tidings::client {

//! localhost, 127.0.0.0/8, ::1 (and IPv4-mapped loopback).
bool isLoopbackHost(const QString &host);
//! A ws:// address of another machine: connecting needs the user's explicit consent.
bool isInsecureRemote(const QUrl &server);
//! Ok, or a Usage error that says what is wrong with `server` and how to go on.
Status checkServerUrl(const QUrl &server, bool allowInsecure);

} // namespace tidings::client
