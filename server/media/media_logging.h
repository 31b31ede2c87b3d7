#pragma once
// Logging categories of the media store. Never log keys or tokens (blob and upload ids are fine:
// they are not secrets on their own, fetching needs an authenticated user).
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcServerMedia)
