"""The console account pages: second step of login, authenticator setup, password change."""

from django.urls import path

from . import views

app_name = "signin"
urlpatterns = [
    path("otp", views.verify, name="otp"),
    path("otp/setup", views.setup, name="otp_setup"),
    path("password", views.password, name="password"),
]
