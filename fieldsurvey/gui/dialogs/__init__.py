"""The app's dialogs, one module each: layout and what the user typed or picked, never a decision — the actions
(fieldsurvey.gui.actions) and views open them and act on what they return."""
