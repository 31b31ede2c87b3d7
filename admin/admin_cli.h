#pragma once
// tidings-admin's command line (issue 13): every admin API command for scripts and tests, one
// JSON object (or JSON lines for lists) on stdout, errors in words on stderr with a non-zero exit:
// 2 wrong usage, 3 no server to talk to (or no right to), 4 the server refused.
#include <QStringList>

class QTextStream;

namespace tidings::admin {

//! Runs `arguments` (without the program name); returns the exit code. Passwords are the first
//! line of `in`.
int runCli(const QStringList &arguments, QTextStream &in, QTextStream &out, QTextStream &err);

} // namespace tidings::admin
