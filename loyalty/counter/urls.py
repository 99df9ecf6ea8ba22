from django.urls import path

from . import views

app_name = "counter"
urlpatterns = [
    path("", views.home, name="home"),
    path("scan/", views.scan, name="scan"),
    path("enrol/", views.enrol, name="enrol"),
    path("enrol/phone/", views.phone_check, name="phone_check"),
    path("undo/", views.undo, name="undo"),
    path("receipts/", views.receipt_find, name="receipt_find"),
    path("staff/", views.staff, name="staff"),
    path("staff/switch/", views.staff_switch, name="staff_switch"),
    path("staff/pin/", views.pin_set, name="pin_set"),
    path("location/", views.location, name="location"),
    path("members/<int:member_id>/", views.member, name="member"),
    path("members/<int:member_id>/purchase/", views.purchase, name="purchase"),
    path("members/<int:member_id>/redeem/", views.redeem, name="redeem"),
    path("members/<int:member_id>/adjust/", views.adjust, name="adjust"),
    path("members/<int:member_id>/history/", views.history, name="history"),
    path("purchases/<int:purchase_id>/", views.purchase_detail, name="purchase_detail"),
    path("purchases/<int:purchase_id>/refund/", views.refund, name="refund"),
    path("vouchers/<str:voucher_code>/", views.voucher, name="voucher"),
    path("vouchers/<str:voucher_code>/use/", views.voucher_use_view, name="voucher_use"),
    path("vouchers/<str:voucher_code>/qr.svg", views.voucher_qr, name="voucher_qr"),
]
