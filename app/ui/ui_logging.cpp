#include "ui_logging.h"

Q_LOGGING_CATEGORY(lcUi, "tidings.ui")
Q_LOGGING_CATEGORY(lcUiModels, "tidings.ui.models")
