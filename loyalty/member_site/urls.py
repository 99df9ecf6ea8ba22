from django.urls import path

from . import unsubscribe, views

app_name = "member"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/phone/", views.sign_in_phone, name="sign_in_phone"),
    path("sign-in/phone/code/", views.sign_in_phone_code, name="sign_in_phone_code"),
    path("link/<str:token>/", views.link, name="link"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", views.shop, name="shop"),
    path("<slug:slug>/qr.svg", views.qr_image_svg, name="qr_svg"),
    path("<slug:slug>/redeem/", views.redeem, name="redeem"),
    path("<slug:slug>/vouchers/<str:voucher_code>/", views.voucher, name="voucher"),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/settings/", views.member_settings, name="settings"),
    path("<slug:slug>/settings/my-data.json", views.data_download, name="data"),
    path("<slug:slug>/settings/forget/", views.forget, name="forget"),
]
