"""First run: what Reverie captures, consent, how the key is protected, model and exclusions."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from reverie.core.privacy import DEFAULT_EXCLUDED_APPS
from reverie.settings import Settings
from reverie.ui.icons import app_icon
from reverie.ui.settings_models import ModelsPage
from reverie.ui.theme import GAP, label

MIN_PASSPHRASE = 8
WHAT = (
    "<p>Reverie keeps a private memory of your work so you can find anything again.</p>"
    "<p><b>What it captures</b><br>• a screenshot of your screen every few seconds, kept as a small "
    "encrypted thumbnail<br>• the text it reads from the screen, app names and window titles<br>"
    "• conversations you have with it</p>"
    "<p><b>What it never does</b><br>• capture password managers, private browser windows or apps you "
    "exclude<br>• send anything off this computer (unless you choose a remote model)</p>"
    "<p>Everything is encrypted on disk. Pause capture or forget the last hour any time from the tray.</p>"
)


@dataclass
class OnboardingResult:
    settings: Settings
    passphrase: str | None  # None: the OS keystore holds the key


class _Page(QWizardPage):
    def __init__(self, title: str, subtitle: str = "") -> None:
        super().__init__()
        self.setTitle(title)
        if subtitle:
            self.setSubTitle(subtitle)
        self.col = QVBoxLayout(self)
        self.col.setSpacing(GAP + 2)


class KeyPage(_Page):
    def __init__(self, keystore: bool, preset: str | None) -> None:
        super().__init__("Protect your memories", "Your data is encrypted with a key. Where should it live?")
        self.keystore = QRadioButton("In the system keychain (unlocks with your login)")
        self.keystore.setEnabled(keystore)
        self.passphrase = QRadioButton("Behind a passphrase I type when Reverie starts")
        self.pw1 = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="Passphrase")
        self.pw2 = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="Repeat passphrase")
        self.note = label("", "muted")
        for w in (self.keystore, self.passphrase, self.pw1, self.pw2, self.note):
            self.col.addWidget(w)
        self.col.addWidget(label("There is no recovery: without the key or passphrase the data cannot be read.",
                                 "muted"))
        self.col.addStretch(1)
        (self.keystore if keystore and preset is None else self.passphrase).setChecked(True)
        if preset:
            self.pw1.setText(preset)
            self.pw2.setText(preset)
            self.note.setText("Using the passphrase from REVERIE_PASSPHRASE.")
        elif not keystore:
            self.note.setText("No system keychain was found, so a passphrase is needed.")
        for w in (self.keystore, self.passphrase):
            w.toggled.connect(self._changed)
        for w in (self.pw1, self.pw2):
            w.textChanged.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        for w in (self.pw1, self.pw2):
            w.setEnabled(self.passphrase.isChecked())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        if self.keystore.isChecked():
            return True
        return len(self.pw1.text()) >= MIN_PASSPHRASE and self.pw1.text() == self.pw2.text()


class Onboarding(QWizard):
    def __init__(self, settings: Settings, bundled_models: Sequence[str] = (), keystore: bool = True,
                 preset_passphrase: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Reverie")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, app_icon().pixmap(48, 48))
        self.setWindowIcon(app_icon())
        self.setMinimumSize(640, 540)
        self._settings = copy.deepcopy(settings)

        welcome = _Page("Welcome to Reverie")
        text = label(WHAT)
        text.setTextFormat(Qt.TextFormat.RichText)
        welcome.col.addWidget(text)
        welcome.col.addStretch(1)
        self.addPage(welcome)

        consent = _Page("Your consent", "Reverie starts capturing only after you agree.")
        self.consent = QCheckBox("I understand that Reverie captures my screen, and I want it to.")
        consent.col.addWidget(self.consent)
        consent.col.addStretch(1)
        consent.registerField("consent*", self.consent)
        self.addPage(consent)

        self.key_page = KeyPage(keystore, preset_passphrase)
        self.addPage(self.key_page)

        models = _Page("Choose a language model", "It answers your questions; you can change it later.")
        self.models = ModelsPage(self._settings, bundled_models)
        models.col.addWidget(self.models)
        self.addPage(models)

        excl = _Page("Never capture these", "Untick any you do want captured; add more later in Settings.")
        self.exclusions = QListWidget()
        for app in dict.fromkeys([*DEFAULT_EXCLUDED_APPS, *settings.excluded_apps]):
            item = QListWidgetItem(app)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.exclusions.addItem(item)
        excl.col.addWidget(self.exclusions)
        self.addPage(excl)

    def result_value(self) -> OnboardingResult:
        s = copy.deepcopy(self._settings)
        self.models.apply(s)
        s.excluded_apps = [self.exclusions.item(i).text() for i in range(self.exclusions.count())
                           if self.exclusions.item(i).checkState() == Qt.CheckState.Checked]
        s.use_keystore = self.key_page.keystore.isChecked()
        s.onboarded = True
        return OnboardingResult(s, None if s.use_keystore else self.key_page.pw1.text())
