#pragma once
// Logging categories of the client's media preparation. Never log file contents, keys or full
// paths of user files (a file name is enough to debug).
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcMediaPrep)
