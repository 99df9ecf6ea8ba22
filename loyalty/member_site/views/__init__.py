"""The member pages' views, by role: signing in (auth), the pages at each shop (pages), the member's settings
(prefs) and the installable web app (pwa)."""

from .auth import link, sign_in, sign_in_phone, sign_in_phone_code
from .pages import history, home, qr_image_svg, redeem, shop, voucher
from .prefs import data_download, forget, member_settings
from .pwa import manifest, service_worker

__all__ = [
    "data_download",
    "forget",
    "history",
    "home",
    "link",
    "manifest",
    "member_settings",
    "qr_image_svg",
    "redeem",
    "service_worker",
    "shop",
    "sign_in",
    "sign_in_phone",
    "sign_in_phone_code",
    "voucher",
]
