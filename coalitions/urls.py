"""The coalition's pages, included at the site root (loyalty/urls.py) under the `coalitions` namespace: its public
page (c/) and the owners' and managers' pages (portal/coalition/)."""

from django.urls import path

from .views import portal, public, statement

app_name = "coalitions"
urlpatterns = [
    path("c/<slug:code>/", public.page, name="page"),
    path("portal/coalition/", portal.home, name="home"),
    path("portal/coalition/new/", portal.create, name="create"),
    path("portal/coalition/invite/", portal.invite, name="invite"),
    path("portal/coalition/invitations/<int:coalition_invitation_id>/accept/", portal.accept, name="accept"),
    path("portal/coalition/invitations/<int:coalition_invitation_id>/decline/", portal.decline, name="decline"),
    path("portal/coalition/invitations/<int:sent_invitation_id>/revoke/", portal.revoke, name="revoke"),
    path("portal/coalition/notice/", portal.notice, name="notice"),
    path("portal/coalition/notice/withdraw/", portal.notice_withdraw, name="notice_withdraw"),
    path("portal/coalition/<slug:coalition_code>/statement/", statement.statement_page, name="statement"),
    path("portal/coalition/<slug:coalition_code>/statement.pdf", statement.statement_pdf, name="statement_pdf"),
]
