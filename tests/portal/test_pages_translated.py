"""The new portal pages speak Vietnamese and Persian (right to left), as the rest of the portal does."""

import pytest
from django.urls import reverse

from loyalty.services.api_keys import api_key_create
from loyalty.services.webhooks import webhook_emit, webhook_endpoint_create
from tests.factories import enrol

# (page, what it says in Vietnamese, in Persian)
PAGES = [
    ("portal:home", "30 ngày qua", "۳۰ روز گذشته"),
    ("portal:program", "Một đơn hàng được bao nhiêu điểm?", "یک خرید چقدر امتیاز می‌دهد؟"),
    ("portal:members", "Tìm kiếm", "جستجو"),
    ("portal:member", "Lịch sử điểm", "تاریخچهٔ امتیاز"),
    ("portal:api_keys", "Tạo khóa", "ساختن کلید"),
    ("portal:api_key_revoke", "Thu hồi khóa", "باطل کردن کلید"),
    ("portal:webhooks", "Thêm địa chỉ nhận", "افزودن نشانی دریافت"),
    ("portal:webhook", "Khóa bí mật để ký", "رمز امضا"),
]


@pytest.fixture
def urls(cafe):
    member = enrol(cafe)
    endpoint = webhook_endpoint_create(shop=cafe, url="https://hooks.example.com/in")
    webhook_emit(type(cafe).objects.get(pk=cafe.pk), "member.enrolled", {"member": "1"})
    key, _raw = api_key_create(shop=cafe, role="cashier", name="Till")
    arguments = {
        "portal:member": {"member_id": member.pk},
        "portal:api_key_revoke": {"api_key_id": key.pk},
        "portal:webhook": {"endpoint_id": endpoint.pk},
    }
    return {name: reverse(name, kwargs=arguments.get(name, {})) for name, _vi, _fa in PAGES}


@pytest.mark.parametrize("name, vietnamese, persian", PAGES, ids=[page[0] for page in PAGES])
def test_the_page_is_translated(as_user, cafe_staff, urls, name, vietnamese, persian):
    client = as_user(cafe_staff["owner"])
    for language, text, direction in (("vi", vietnamese, "ltr"), ("fa", persian, "rtl")):
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        html = client.get(urls[name]).content.decode()
        assert f'<html lang="{language}" dir="{direction}">' in html and text in html, (name, language)
