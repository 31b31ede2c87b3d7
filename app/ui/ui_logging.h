#pragma once
// Logging categories of the desktop UI. Never log message text, passwords or tokens.
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcUi)
Q_DECLARE_LOGGING_CATEGORY(lcUiModels)
