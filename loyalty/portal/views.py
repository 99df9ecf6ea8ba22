"""The owner's portal."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse


def home(request):
    if request.user.is_authenticated:
        return redirect("portal:home")
    return TemplateResponse(request, "home.html")


@login_required
def dashboard(request):
    return TemplateResponse(request, "portal/dashboard.html")
