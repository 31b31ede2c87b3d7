// Precompiled header of tidings_client_ui (see shared/pch.h): the common Widgets headers on top.
#pragma once

#include "../pch.h" // app/pch.h

#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QVBoxLayout>
#include <QWidget>
