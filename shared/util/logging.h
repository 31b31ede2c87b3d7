#pragma once
// Every logging category of the common library. Never log plaintext, keys or tokens.
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcProtocol)
