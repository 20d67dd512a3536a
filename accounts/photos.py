"""Profile photos: an upload is checked, turned upright, shrunk and re-encoded as a JPEG built
from its pixels alone, so nothing the camera or an editor wrote into the file (EXIF with GPS
position and device, XMP, comments, colour profiles, thumbnails) survives.

The checks come before any pixel is decoded: the byte size, what Pillow recognises the file
as (only the decoders of JPEG, PNG and WebP are tried, whatever the file is called), and the
dimensions in its header. A decompression bomb (a small file declaring a huge image) is refused
on its header by these limits and, beyond them, by Pillow's own.
"""

import io
import warnings

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 6000  # pixels, either way: larger than any phone camera takes
STORED_SIDE = 512  # the longer side of the stored photo, in pixels
FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85

NOT_AN_IMAGE = _("This file is not a photo we can read. Upload a JPEG, PNG or WebP image.")


def _open(upload) -> Image.Image:
    """The upload opened (header only), or ValidationError when it is no image we take."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice that; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(upload, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(NOT_AN_IMAGE, code="not_image") from None


def _too_large(size: tuple[int, int] | None = None) -> ValidationError:
    if size is None:  # a decompression bomb: its declared size means nothing to the person
        return ValidationError(
            _("The photo has too many pixels: at most %(max)s by %(max)s, please."),
            params={"max": MAX_SIDE},
            code="too_large",
        )
    return ValidationError(
        _("The photo is %(width)s by %(height)s pixels: at most %(max)s by %(max)s, please."),
        params={"width": size[0], "height": size[1], "max": MAX_SIDE},
        code="too_large",
    )


def _check_size(upload) -> None:
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("The photo is %(size)s; the largest allowed is %(max)s."),
            params={"size": filesizeformat(upload.size), "max": filesizeformat(MAX_BYTES)},
            code="too_big",
        )


def _clean_copy(image: Image.Image) -> Image.Image:
    """The image upright (its EXIF orientation applied), at most STORED_SIDE pixels a side, in
    RGB (transparency on white), as a new image that carries pixels and nothing else."""
    image = ImageOps.exif_transpose(image)
    image.thumbnail((STORED_SIDE, STORED_SIDE), Image.Resampling.LANCZOS)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    clean = Image.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    return clean


def photo_process(upload) -> bytes:
    """The stored form of an uploaded photo: a JPEG of at most STORED_SIDE pixels a side with
    no metadata. Raises ValidationError with a message for the person when the file is too
    big, not a JPEG, PNG or WebP image, larger than MAX_SIDE pixels a side, or damaged."""
    _check_size(upload)
    with _open(upload) as image:
        if image.width > MAX_SIDE or image.height > MAX_SIDE:
            raise _too_large(image.size)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                # A JPEG is decoded straight at a fraction of its size: less memory and time.
                image.draft("RGB", (STORED_SIDE * 2, STORED_SIDE * 2))
                image.load()
                clean = _clean_copy(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large() from None
        except (OSError, ValueError, SyntaxError):
            raise ValidationError(NOT_AN_IMAGE, code="not_image") from None
    output = io.BytesIO()
    clean.save(output, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return output.getvalue()
