#pragma once
// Logging categories of the HTTP library. Never log request bodies, tokens or query strings that
// may carry credentials.
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)
