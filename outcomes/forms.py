from django import forms
from django.utils.translation import gettext_lazy as _

from outcomes.importing import MAX_BYTES


class OutcomeUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Outcome file (CSV or XLSX)"),
        help_text=_(
            "One row per person, term and measure: person (institutional ID or email), term, "
            "measure, value, and optionally career stage. At most %(max)s MB."
        )
        % {"max": MAX_BYTES // (1024 * 1024)},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx", ".tsv")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB.") % {"max": MAX_BYTES // (1024 * 1024)}
            )
        return upload
