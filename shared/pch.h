// Precompiled header of tidings_common, and the base of every other precompiled header (server,
// client, UI, tests): the standard library, QtCore and the generated protocol header make up
// nine tenths of what each source file parses. Only stable, widely used headers belong here;
// a file still includes what it uses (builds with -DTIDINGS_PCH=OFF check that).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QLoggingCategory>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QVariant>

#include "proto/tidings.pb.h"
